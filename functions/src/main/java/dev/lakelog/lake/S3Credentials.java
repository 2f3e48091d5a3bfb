package dev.lakelog.lake;

/** Credentials handed to DuckDB's S3 secret; resolved by the AWS SDK's default chain in AWS. */
public record S3Credentials(String accessKeyId, String secretAccessKey, String sessionToken) {
    @Override
    public String toString() {
        return "S3Credentials[accessKeyId=" + accessKeyId + ", ***]";
    }
}
