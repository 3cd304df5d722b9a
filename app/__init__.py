"""pi0 Studio application: the Qt-free runtime, the command line and the Qt user interface."""
