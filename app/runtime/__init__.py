"""The Qt-free heart of the app: control loop, policy runner, recorder, safety layer."""
