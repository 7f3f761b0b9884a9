"""Uploads a Batch API input file and creates the batch, with the official openai Python SDK."""
import sys

from openai import OpenAI

client = OpenAI(max_retries=0)
with open(sys.argv[1], "rb") as f:
    uploaded = client.files.create(file=f, purpose="batch")
batch = client.batches.create(
    input_file_id=uploaded.id, endpoint=sys.argv[2], completion_window="24h"
)
print(batch.status, batch.request_counts.total)
