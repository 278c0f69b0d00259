"""The band: each part (the soloist, the comping; bass and drums to come) turns the chart,
the feel and what the musician plays into timed notes on its own channel, and the
ensemble merges them into one stream for the scheduler, a file or the synth."""
