"""Russian full-text search over titles, bodies and the text of the documents articles link,
the same on SQLite (FTS5) and PostgreSQL.

Every word is indexed as its Russian dictionary lemmas (all normal forms of an ambiguous word,
the analyser's predictions for unknown words), and a query word matches any word sharing one of
its lemmas. Phrases keep word order over lemmas:

- PostgreSQL: a tsvector holds every lemma of a word at the word's position, so a phrase is
  `(lemmas of word 1) <-> (lemmas of word 2)`;
- SQLite: FTS5 holds one term per position, the word's lemmas joined by '_' (`сталь_стать`),
  and the table `search_lemmas` lists, for each such multi-lemma term, the lemmas in it. A query
  word becomes its lemmas plus the terms holding them; a phrase, every sequence of those.

Both say the same thing, so both backends give the same result sets. A query is words and
"quoted phrases" (a hyphenated word is a phrase of its parts); every one must match. The query
text never reaches SQL: only lemmas and terms made of letters, digits and '_' do, always as
bound parameters. `search_index_state` names the analysis the index was built with; when it is
not the current one, `rebuild_stale_index` (run by the archive's upgrade) rebuilds the index.

The modules, one concern each:

- `lemmas`: the analysis (pymorphy3): a text's words and each word's lemmas;
- `query`: a query's words and phrases parsed (`parse_query`, `Query`, `QueryError`), and their
  FTS5 and tsquery expressions;
- `index`: an article's index values (`index_values`), writing them (`write_index`,
  `index_article`), a stored document's pages, sheets and ZIP members (`index_file_text`, in
  chunks of CHUNK_WORDS words), rebuilding the index (`reindex`, `rebuild_stale_index`);
- `postings`: the per-lemma postings with their weights, written by `index` and read by
  `running` for single-word queries;
- `document_matches`: the articles whose linked documents hold a query on one page (sheet,
  member) of the version the document's URL serves, and which part matched;
- `running`: running a query within filters, in a scope (`Scope`: the articles' own text, the
  documents they link, or both) (`search`, `iter_search`, `count_matches`).
"""
