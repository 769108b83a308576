"""The text of the documents an article links (PDF, DOC, DOCX, RTF, ODT, XLS, XLSX, ODS, ZIP).

Pure library code: no Scrapy, no archive. `kinds.identify` tells a stored file's kind by its
content, `extract.extract_document` turns it into text in the calling process, and
`isolated.extract_isolated` does the same in a child process with CPU, memory and time limits.
"""
