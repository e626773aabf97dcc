-- 008: the OCR languages a request names for its documents (comma-separated
-- model codes; '': the server's OCR_LANGUAGES).

ALTER TABLE documents ADD COLUMN languages TEXT NOT NULL DEFAULT '';
