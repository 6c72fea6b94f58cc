"""What ships in the wheel: default policy, scorecards, knowledge base and intent training data."""
