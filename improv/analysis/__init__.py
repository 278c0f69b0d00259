"""Looking at what was played: solo figures against the chords, stream statistics, the
piano roll."""
