"""Photo clock jobs: scheduled posts, digests and summaries. OWNER: builder B1."""
