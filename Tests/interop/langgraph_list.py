"""Lists one thread's checkpoints with LangGraph's own SqliteSaver and prints what it sees as JSON.

Usage: langgraph_list.py <database> <thread>
"""
import json
import sqlite3
import sys

from langgraph.checkpoint.sqlite import SqliteSaver

path, thread = sys.argv[1:3]
saver = SqliteSaver(sqlite3.connect(path, check_same_thread=False))
config = {"configurable": {"thread_id": thread, "checkpoint_ns": ""}}
tuples = list(saver.list(config))
latest = saver.get_tuple(config)
print(json.dumps({
    "ids": [t.config["configurable"]["checkpoint_id"] for t in tuples],
    "steps": [t.metadata["step"] for t in tuples],
    "graph": latest.metadata.get("graph"),
    "channels": sorted(latest.checkpoint["channel_values"].keys()),
}))
