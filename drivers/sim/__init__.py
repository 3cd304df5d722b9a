"""The simulated ALOHA: MuJoCo world, tasks, scripted demonstrators, closed-loop evaluation."""
