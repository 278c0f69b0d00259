"""How a part's written notes are played: swing and accents, the players' time feel."""
