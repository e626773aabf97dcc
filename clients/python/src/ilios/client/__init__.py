"""The Python client of the Ilios conversion service.

from ilios.client import IliosClient

with IliosClient("127.0.0.1:50051", api_key="...") as client:
    for page in client.convert("report.pdf"):
        print(page.number, page.markdown)
"""

from ilios.client._client import Conversion, IliosClient
from ilios.errors import IliosError

__all__ = ["Conversion", "IliosClient", "IliosError"]
