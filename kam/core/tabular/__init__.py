"""Excel import and export, one engine for every table (R2.3): specs (:mod:`.specs`), safe
reading (:mod:`.reader`), writing (:mod:`.writer`), the engine (:mod:`.engine`), the import
wizard pages and the API. Apps register their tables under ``import_specs``."""
