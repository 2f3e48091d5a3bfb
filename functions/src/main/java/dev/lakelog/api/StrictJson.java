package dev.lakelog.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The JSON reader for request bodies: duplicate keys rejected, nesting and sizes bounded. */
public final class StrictJson {
    public static final int MAX_DEPTH = 32;

    private StrictJson() {}

    public static ObjectMapper mapper() {
        JsonFactory f = JsonFactory.builder()
                .streamReadConstraints(limits())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return JsonMapper.builder(f)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(JsonParser.Feature.ALLOW_COMMENTS)
                .build();
    }

    /**
     * A parser factory with the same limits as {@link #mapper()} but without the parser's own
     * duplicate-key detector: for callers that read the token stream and detect duplicates
     * themselves (the ingest path's validator, which then re-reads through {@link #mapper()} to
     * word the error exactly).
     */
    public static JsonFactory streamingFactory() {
        return JsonFactory.builder().streamReadConstraints(limits()).build();
    }

    private static StreamReadConstraints limits() {
        return StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH)
                .maxStringLength(5 * 1024 * 1024)
                .maxNumberLength(64)
                .build();
    }
}
