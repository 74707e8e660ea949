"""Who may read the call log: users and roles, passwords, API sessions, what each role
sees (visibility), residents' data masked, recordings by token with an access log."""
