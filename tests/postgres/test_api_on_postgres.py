"""The API (tests/integration: batches, Convert, usage, retention, S3) on
PostgreSQL, through the same gRPC and REST calls as on SQLite."""

from test_batches import (  # noqa: F401
    test_a_thousand_file_batch_streams_in_and_out,
    test_batch_with_one_bad_file_among_good_ones,
    test_download_before_completion,
    test_empty_batch,
    test_failed_document_answers_like_the_original_api,
    test_legacy_submit_status_content_and_original,
    test_unknown_batch,
)
from test_convert import (  # noqa: F401
    test_convert_pdf_over_grpc_streams_pages_in_order,
    test_rest_convert_json_has_the_reference_fields,
    test_rest_convert_markdown_has_the_reference_headers,
)
from test_storage import (  # noqa: F401
    s3,
    test_an_abandoned_upload_keeps_nothing,
    test_convert_batch_and_original_with_s3,
    test_retention_archives_documents_and_keeps_usage,
    test_small_inline_files_live_in_the_database_large_ones_in_the_store,
)
from test_usage import (  # noqa: F401
    priced,
    test_bad_range_over_grpc,
    test_one_usage_row_per_conversion_even_after_a_retry,
    test_summary_and_breakdown_over_rest,
    test_summary_over_grpc,
)
