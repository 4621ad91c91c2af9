"""One module per topic; each registers its claims with ``ember.lab.core.claim``."""
