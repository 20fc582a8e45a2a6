"""The app's screens: the triage queue, the watcher, and the modal dialogs."""
