-- At load time: run a file outside the require mechanism.
dofile("/etc/passwd")
