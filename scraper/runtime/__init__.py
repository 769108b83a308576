"""Process plumbing: every helper process a command starts, and how it starts.

processes.py: the one start method and the setup every child shares; parse_pool.py and
page_worker.py: the crawl's parsing processes; writer_process.py: the crawl's writer process.
What the processes run (parsing pages, writing the archive) lives outside this package.
"""
