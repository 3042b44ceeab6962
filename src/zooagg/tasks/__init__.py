"""Task families: each module registers its extractors and (running) reducers on import.

Nothing is imported here: `registry.get` imports only the module that registers the name it
is asked for (found from the modules' decorators, `registry.homes`), `registry.load`
(listings) every module that registers something.
"""
