"""phasetui: a terminal assistant for phased online migrations of big PostgreSQL tables."""

__version__ = "0.1.0"
