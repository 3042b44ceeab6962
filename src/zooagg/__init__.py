"""zooagg: fast, drop-in consensus aggregation for Zooniverse exports."""

__version__ = "0.1.0"

#: the value stamped into every extract and reduction (the peer stamps its own version there)
AGGREGATION_VERSION = f"zooagg-{__version__}"
