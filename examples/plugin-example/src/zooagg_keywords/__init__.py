"""An example zooagg plugin (docs/plugins.md): keyword_extractor and keyword_reducer."""
