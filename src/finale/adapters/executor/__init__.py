"""Steps as local processes: commands, shells, workspaces, secrets and results on this machine."""
