"""`finale check`: the proof that every way a run can end posts one right GitLab status."""
