# Test app (Python): in DIR, writes new.txt and appends to log.txt (closing both), then reads
# them back; prints new=..., log=... (newlines as |).
import os, sys
d = sys.argv[1]
print("existed=" + str(os.path.exists(d + "/new.txt")))   # absent in the target: must not pin the path local
with open(d + "/new.txt", "w") as f: f.write("created\n")
with open(d + "/log.txt", "a") as f: f.write("appended\n")
with open(d + "/new.txt") as f: print("new=" + f.read().replace("\n", "|"))
with open(d + "/log.txt") as f: print("log=" + f.read().replace("\n", "|"))
