"""One module per topic (``<topic>.py`` holds every claim whose ``topic`` is that name); each
registers its claims with ``ember.lab.core.claim``. ``_common.py`` is their one helper module."""
