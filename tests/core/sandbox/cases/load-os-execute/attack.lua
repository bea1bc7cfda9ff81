-- At load time: run a shell command.
os.execute("touch PWNED")
