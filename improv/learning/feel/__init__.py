"""How the Weimar players play what is written: the time feel, the articulation, each
player's style and the ornaments, learned from the notes as played and as written."""
