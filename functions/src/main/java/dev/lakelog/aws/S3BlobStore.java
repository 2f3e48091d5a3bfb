package dev.lakelog.aws;

import dev.lakelog.storage.StorageException;
import dev.lakelog.storage.BlobStore;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/** {@link BlobStore} on an S3 bucket. A PUT is atomic in S3: the object exists whole or not at all. */
public final class S3BlobStore implements BlobStore {
    private final S3Client s3;
    private final String bucket;
    private final S3Presigner presigner;

    public S3BlobStore(S3Client s3, String bucket) {
        this(s3, bucket, null);
    }

    /** With a presigner (same region, endpoint and credentials as the client) for {@link #presignedGetUrl}. */
    public S3BlobStore(S3Client s3, String bucket, S3Presigner presigner) {
        this.s3 = s3;
        this.bucket = bucket;
        this.presigner = presigner;
    }

    public String bucket() {
        return bucket;
    }

    @Override
    public void put(String key, byte[] bytes) {
        put(key, bytes, null);
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) {
        try {
            // Precomputed checksum: S3 verifies it and refuses (writing nothing) on a mismatch.
            String sha256 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
            s3.putObject(b -> b.bucket(bucket).key(key).checksumSHA256(sha256).contentType(contentType), RequestBody.fromBytes(bytes));
        } catch (SdkException e) {
            throw new StorageException("S3 PUT failed for " + key, e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void putFile(String key, java.nio.file.Path file, String contentType) {
        try {
            // SDK-computed SHA-256 over the streamed file (trailing checksum): S3 verifies it.
            s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType)
                    .checksumAlgorithm(software.amazon.awssdk.services.s3.model.ChecksumAlgorithm.SHA256), RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw new StorageException("S3 PUT failed for " + key, e);
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new StorageException("S3 GET failed for " + key, e);
        }
    }

    /** A server-side copy (CopyObject: up to 5 GB, which bounds what the drop folder quarantines whole). */
    @Override
    public void copy(String fromKey, String toKey) {
        try {
            s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(fromKey).destinationBucket(bucket).destinationKey(toKey));
        } catch (SdkException e) {
            throw new StorageException("S3 COPY failed from " + fromKey + " to " + toKey, e);
        }
    }

    /** A streaming GET, with {@code If-Match} when an ETag is given (412: the object changed, so empty). */
    @Override
    public Optional<OpenedBlob> open(String key, String ifMatchEtag) {
        try {
            software.amazon.awssdk.core.ResponseInputStream<software.amazon.awssdk.services.s3.model.GetObjectResponse> in =
                    s3.getObject(b -> b.bucket(bucket).key(key).ifMatch(ifMatchEtag == null ? null : "\"" + ifMatchEtag + "\""));
            software.amazon.awssdk.services.s3.model.GetObjectResponse r = in.response();
            String etag = r.eTag() == null ? "" : r.eTag().replace("\"", "");
            java.io.InputStream guarded = new java.io.FilterInputStream(in) {
                @Override
                public int read() throws java.io.IOException {
                    try {
                        return super.read();
                    } catch (SdkException e) {
                        throw new java.io.IOException("S3 GET failed while reading " + key, e);
                    }
                }

                @Override
                public int read(byte[] b, int off, int len) throws java.io.IOException {
                    try {
                        return super.read(b, off, len);
                    } catch (SdkException e) {
                        throw new java.io.IOException("S3 GET failed while reading " + key, e);
                    }
                }
            };
            return Optional.of(new OpenedBlob(guarded, r.contentLength() == null ? -1 : r.contentLength(), r.lastModified(), etag));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 404) return Optional.empty();
            throw new StorageException("S3 GET failed for " + key, e);
        } catch (SdkException e) {
            throw new StorageException("S3 GET failed for " + key, e);
        }
    }

    @Override
    public List<BlobInfo> list(String prefix) {
        List<BlobInfo> out = new ArrayList<>();
        try {
            ListObjectsV2Request req = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build();
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(req)) {
                for (S3Object o : page.contents()) {
                    out.add(new BlobInfo(o.key(), o.size(), o.lastModified()));
                }
            }
        } catch (SdkException e) {
            throw new StorageException("S3 LIST failed for " + prefix, e);
        }
        return out;
    }

    @Override
    public java.util.SortedSet<String> childPrefixes(String prefix) {
        java.util.SortedSet<String> out = new java.util.TreeSet<>();
        try {
            ListObjectsV2Request req = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).delimiter("/").build();
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(req)) {
                page.commonPrefixes().forEach(p -> out.add(p.prefix()));
            }
        } catch (SdkException e) {
            throw new StorageException("S3 LIST failed for " + prefix, e);
        }
        return out;
    }

    @Override
    public Iterable<BlobInfo> iterate(String prefix) {
        ListObjectsV2Request req = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix).build();
        return () -> {
            java.util.Iterator<S3Object> it;
            try {
                it = s3.listObjectsV2Paginator(req).contents().iterator();
            } catch (SdkException e) {
                throw new StorageException("S3 LIST failed for " + prefix, e);
            }
            return new java.util.Iterator<>() {
                @Override
                public boolean hasNext() {
                    try {
                        return it.hasNext();
                    } catch (SdkException e) {
                        throw new StorageException("S3 LIST failed for " + prefix, e);
                    }
                }

                @Override
                public BlobInfo next() {
                    try {
                        S3Object o = it.next();
                        return new BlobInfo(o.key(), o.size(), o.lastModified());
                    } catch (SdkException e) {
                        throw new StorageException("S3 LIST failed for " + prefix, e);
                    }
                }
            };
        };
    }

    @Override
    public void delete(String key) {
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw new StorageException("S3 DELETE failed for " + key, e);
        }
    }

    @Override
    public Optional<java.net.URI> presignedGetUrl(String key, java.time.Duration validFor) {
        if (presigner == null) return Optional.empty();
        try {
            var p = presigner.presignGetObject(r -> r.signatureDuration(validFor).getObjectRequest(g -> g.bucket(bucket).key(key)));
            return Optional.of(p.url().toURI());
        } catch (SdkException | java.net.URISyntaxException e) {
            throw new StorageException("S3 presign failed for " + key, e);
        }
    }

    @Override
    public String uri(String key) {
        return "s3://" + bucket + "/" + key;
    }
}
