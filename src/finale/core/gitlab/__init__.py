"""GitLab as finale sees it, pure: outcome -> commit state, CloudEvents and PipelineRuns read, reporter tasks."""
