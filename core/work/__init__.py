"""Long work as jobs: the job table, the tasks, the worker, the schedule."""
