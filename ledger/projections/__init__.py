VIEW_TABLES: list[str] = []
