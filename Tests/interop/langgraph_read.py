"""Reads a TradeWizard database with LangGraph's own SqliteSaver and prints what it sees as JSON.

Usage: langgraph_read.py <database> <finished thread> <failed thread>
"""
import json
import sqlite3
import sys

from langgraph.checkpoint.sqlite import SqliteSaver

path, finished, failed = sys.argv[1:4]
saver = SqliteSaver(sqlite3.connect(path, check_same_thread=False))


def config(thread, checkpoint_id=None):
    configurable = {"thread_id": thread, "checkpoint_ns": ""}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def ids(tuples):
    return [t.config["configurable"]["checkpoint_id"] for t in tuples]


latest = saver.get_tuple(config(finished))
all_ids = ids(saver.list(config(finished)))
middle = saver.get_tuple(config(finished, all_ids[2]))
interrupted = saver.get_tuple(config(failed))
print(json.dumps({
    "latest_id": latest.config["configurable"]["checkpoint_id"],
    "latest_parent": latest.parent_config["configurable"]["checkpoint_id"],
    "latest_metadata": latest.metadata,
    "latest_signals": len(latest.checkpoint["channel_values"]["signals"]),
    "latest_version": latest.checkpoint["v"],
    "middle_id": middle.config["configurable"]["checkpoint_id"],
    "middle_step": middle.metadata["step"],
    "list": all_ids,
    "list_limit_2": ids(saver.list(config(finished), limit=2)),
    "list_before_third": ids(saver.list(config(finished), before=config(finished, all_ids[2]))),
    "list_filter_input": ids(saver.list(None, filter={"source": "input"})),
    "list_filter_loop_step_2": ids(saver.list(config(finished), filter={"source": "loop", "step": 2})),
    "pending_writes": sorted([channel for _, channel, _ in interrupted.pending_writes]),
    "pending_error": [value for _, channel, value in interrupted.pending_writes if channel == "__error__"],
}, sort_keys=True))
