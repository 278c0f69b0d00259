"""The single-step generator's sampler: an endless, constrained, seeded stream of grammar
values from the model (temperature, top-p, phrase rules, the rhythm grid, re-priming)."""
