/// S3 origin: SigV4 signing, credentials, the libcurl client. Filled in by the signed-origin work.
