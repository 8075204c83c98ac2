"""GitLab over the wire: the commit-status client, its delivery policy and the Task built from it."""
