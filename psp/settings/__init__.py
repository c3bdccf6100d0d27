"""Settings package: ``base`` holds everything; ``test`` only pins what the test run needs."""
