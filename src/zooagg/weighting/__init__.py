"""Volunteer weighting over whole workflows: read answers from extracts, run the registered
methods (tasks/weighting.py and beside it), score them, write the tables (`zooagg weight`)."""
