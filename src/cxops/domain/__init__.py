"""Plain data of the retail contact center; standard library only."""
