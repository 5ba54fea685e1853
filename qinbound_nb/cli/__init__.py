"""The qinbound command line: main (the parser), runs, setup and the demo; imports lazily."""
