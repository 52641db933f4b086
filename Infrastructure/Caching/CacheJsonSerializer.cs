using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ZiggyCreatures.Caching.Fusion.Internals.Distributed;
using ZiggyCreatures.Caching.Fusion.Serialization;

namespace Strongroom.Infrastructure.Caching;

/// <summary>
/// What goes to Redis, serialized by the source-generated JSON contexts only (FusionCache's own
/// System.Text.Json serializer uses reflection, which native AOT does not keep). Redis holds
/// <c>FusionCacheDistributedEntry&lt;T&gt;</c> for each cached <c>T</c>, so each of those must be
/// in a context registered with <see cref="CacheSetup.AddCachedTypes"/>.
/// </summary>
internal sealed class CacheJsonSerializer : IFusionCacheSerializer
{
    private readonly JsonSerializerOptions _options;

    public CacheJsonSerializer(IEnumerable<IJsonTypeInfoResolver> resolvers)
    {
        _options = new JsonSerializerOptions { TypeInfoResolver = JsonTypeInfoResolver.Combine([CacheJsonContext.Default, .. resolvers]) };
        _options.MakeReadOnly();
    }

    public byte[] Serialize<T>(T? obj) => JsonSerializer.SerializeToUtf8Bytes(obj!, TypeInfo<T>());

    public T? Deserialize<T>(byte[] data) => JsonSerializer.Deserialize(data, TypeInfo<T>());

    public ValueTask<byte[]> SerializeAsync<T>(T? obj, CancellationToken token = default) => ValueTask.FromResult(Serialize(obj));

    public ValueTask<T?> DeserializeAsync<T>(byte[] data, CancellationToken token = default) => ValueTask.FromResult(Deserialize<T>(data));

    private JsonTypeInfo<T> TypeInfo<T>() =>
        _options.TryGetTypeInfo(typeof(T), out var info)
            ? (JsonTypeInfo<T>)info
            : throw new InvalidOperationException(
                $"{typeof(T)} is not in a cache JSON context: add [JsonSerializable(typeof({typeof(T).Name}))] to the context registered with AddCachedTypes.");
}

/// <summary>FusionCache's own entries: the timestamps it keeps for Clear and tags.</summary>
[JsonSerializable(typeof(FusionCacheDistributedEntry<long>))]
internal sealed partial class CacheJsonContext : JsonSerializerContext;
