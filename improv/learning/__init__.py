"""From MIDI files to a trained model: corpus readers, track choice, the token cache,
training windows and the training loop."""
