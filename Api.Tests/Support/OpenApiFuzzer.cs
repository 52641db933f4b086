using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Strongroom.Api.Tests.Support;

/// <summary>Where a request builder wants a value: a parameter (<c>path</c>, <c>query</c>, <c>header</c>) or a body member (<c>body</c>, or <c>item</c> for an array's items), by name.</summary>
public sealed record FuzzSlot(OpenApiOperation Operation, string Identity, string In, string Name, int CaseIndex);

/// <summary>One request to send: what it is, and how it was made (the mutations) so a failure can be read and replayed.</summary>
public sealed record FuzzRequest(
    int Index,
    OpenApiOperation Operation,
    string Identity,
    IReadOnlyList<string> Mutations,
    string Method,
    string PathAndQuery,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string? ContentType,
    byte[]? Body,
    bool SendsIdentityToken)
{
    public string Describe(int maxBody = 300)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"#{Index} as {Identity} [{string.Join(", ", Mutations)}]\n    {Method} {Truncate(PathAndQuery, 300)}");
        foreach (var (name, value) in Headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n    {name}: {Truncate(value, 120)}");
        }

        text.Append(CultureInfo.InvariantCulture, $"\n    Content-Type: {(ContentType is null ? "(none)" : $"'{ContentType}'")}");
        if (Body is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n    body ({Body.Length} bytes): {Truncate(Encoding.UTF8.GetString(Body), maxBody)}");
        }

        return text.ToString();
    }

    /// <summary>At most <paramref name="max"/> characters, with control characters and lone surrogates shown as escapes.</summary>
    public static string Truncate(string value, int max)
    {
        var shown = new StringBuilder();
        foreach (var c in value.Length > max ? value[..max] : value)
        {
            shown.Append(char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return value.Length > max ? $"{shown}… ({value.Length} chars)" : shown.ToString();
    }
}

/// <summary>
/// Derives fuzz cases from an OpenAPI document: for each operation a baseline request built from its
/// schemas (with real values where <c>known</c> has one for the slot, by name), then mutations of the
/// body, content type, parameters, headers, credentials and method. Everything comes from one seeded
/// <see cref="Random"/>, so a seed names the same cases again.
/// </summary>
public sealed class OpenApiFuzzer(OpenApiDocument document, Func<FuzzSlot, Random, string?> known)
{
    private const string Json = "application/json";
    private const string Form = "application/x-www-form-urlencoded";
    private const string IdempotencyKey = "Idempotency-Key";

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    private static readonly string[] HostileStrings =
    [
        "\0", "a\0b", "\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\v\f\r\u000e\u000f\u0010\u001b\u001f", "\u007f\u0080\u009f", "line\r\nbreak",
        "\ufeffbom", "\u202egnp.exe", "zero\u200bwidth", "💰💸🏦", "Ω≈ç√∫", "e\u0301\u0301\u0301\u0301", "\u2028\u2029", "\ufffe\uffff",
        "' OR 1=1--", "\"; DROP TABLE accounts;--", "<script>alert(1)</script>", "${jndi:ldap://x/a}", "{{7*7}}", "%00", "%s%s%n",
        "../../../../etc/passwd", "", " ", "\t", "null", "true", "0", "-1", "NaN", "EUR\0", "eur", "XXX", "ĘŪŖ", "ＥＵＲ",
    ];

    /// <summary>String escapes that are valid JSON but not valid UTF-16 text: lone and reversed surrogates.</summary>
    private static readonly string[] SurrogateEscapes = ["\"\\ud800\"", "\"\\udc00\"", "\"a\\udc00\\ud800b\"", "\"\\ud800x\"", "\"\\udbff\\udbff\"", "\"\\u0000\"", "\"\\u0000\\u001f\""];

    private static readonly string[] BoundaryNumbers =
    [
        "0", "-1", "1", "1000000000000000", "1000000000000001", "999999999999999", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1.5", "1.0", "1e400", "-1e400", "1e-400", "1e15", "1E2",
        "-0", "0.0", "2147483647", "2147483648", "-2147483649", "4294967296", "\"1\"", "\"1e15\"", "\"9223372036854775808\"", "\" 1\"",
        "\"0x10\"", "\"NaN\"", "\"Infinity\"", "\"-0\"", "\"1.0\"", "\"\"", "01", "NaN", "Infinity", "+1", ".5", "0x10",
    ];

    private static readonly string[] WrongTypes = ["\"fuzz\"", "\"\"", "12345", "-1", "true", "false", "{}", "[]", "[1,2]", "{\"a\":1}", "1.5", "[null]"];

    private static readonly string[] UnknownMembers = ["fuzzExtra", "__proto__", "$type", "constructor", "id", "userId", "ownerId", "status", "role", "roles", "isAdmin", "balance", "kind", ""];

    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "", "application/json; charset=bogus", "application/json; charset=utf-16", "application/json; charset=utf-8",
        "application/json; charset=\"utf-8\"", "application/json;;;", "APPLICATION/JSON", "application/jsonx", "application/merge-patch+json",
        "application/problem+json", "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=xyz",
        Form, Form + "; charset=bogus", Form + "; charset=utf-16", "*/*", "application/*", "json", "text/json", "application/octet-stream",
        "application/json; boundary=x", "application/json, text/plain", "application/x-www-form-urlencoded; charset=iso-8859-1", "text/html; charset=utf-8",
    ];

    private static readonly string[] HostilePathValues =
    [
        "..", "../", "%2e%2e%2f", "%2e%2e", "%00", "%2F", "%252F", "%ff", "%", "%zz", "%20", "+", "null", "undefined", "0", "-1", "true",
        "%27%20OR%201%3D1--", "'", "%3Cscript%3E", "%F0%9F%92%B0", "%C3%BC", "%E2%80%AE", "%0d%0aX-Injected:%201", "*", "~", ";", "a;b=c", "%3F", "%23",
    ];

    private static readonly string[] HostileLimits = ["-1", "0", "1", "100", "101", "1e9", "1000000000", "abc", "", "2147483648", "-2147483649", " 1", "1.0", "0x10", "%00", "1%00", "９"];

    private static readonly string[] HostileDates = ["abc", "0001-01-01", "9999-12-31T23:59:59Z", "2026-13-45", "1e9", "-1", "", "2026-01-01T00:00:00+99:00", "%00", "9999-12-31T23:59:59.9999999-14:00", "0000-00-00"];

    private static readonly string[] Accepts = ["application/xml", "text/html", "*/*;q=0", "application/problem+json", "garbage", "application/json; charset=bogus", ""];

    private readonly IReadOnlyList<OpenApiOperation> _operations = document.Operations();

    public IReadOnlyList<OpenApiOperation> Operations => _operations;

    /// <summary>The request a well-behaved client would send (with real values where known).</summary>
    public FuzzRequest Baseline(OpenApiOperation operation, string identity, int index, Random random) =>
        NewDraft(operation, identity, index, random).ToRequest(index, "baseline");

    /// <summary>A baseline with one mutation (sometimes two) applied.</summary>
    public FuzzRequest Mutate(OpenApiOperation operation, string identity, int index, Random random)
    {
        var draft = NewDraft(operation, identity, index, random);
        var rounds = random.NextDouble() < 0.2 ? 2 : 1;
        var names = new List<string>();
        for (var round = 0; round < rounds; round++)
        {
            var candidates = Mutations(draft).ToList();
            var total = candidates.Sum(c => c.Weight);
            var pick = random.NextDouble() * total;
            foreach (var (name, weight, apply) in candidates)
            {
                pick -= weight;
                if (pick <= 0)
                {
                    names.Add($"{name}:{apply(random)}");
                    break;
                }
            }
        }

        return draft.ToRequest(index, [.. names]);
    }

    private Draft NewDraft(OpenApiOperation operation, string identity, int index, Random random)
    {
        var draft = new Draft(operation, identity);
        foreach (var parameter in operation.In("path"))
        {
            var value = known(new FuzzSlot(operation, identity, "path", parameter.Name, index), random) ?? "fuzz";
            draft.PathValues[parameter.Name] = Uri.EscapeDataString(value);
        }

        foreach (var parameter in operation.In("query"))
        {
            var value = known(new FuzzSlot(operation, identity, "query", parameter.Name, index), random);
            if (parameter.Required || (value is not null && random.NextDouble() < 0.5))
            {
                draft.Query.Add(KeyValuePair.Create(Uri.EscapeDataString(parameter.Name), Uri.EscapeDataString(value ?? ScalarText(parameter.Schema, random))));
            }
        }

        foreach (var parameter in operation.In("header"))
        {
            var value = known(new FuzzSlot(operation, identity, "header", parameter.Name, index), random) ?? ScalarText(parameter.Schema, random);
            draft.Headers.Add(KeyValuePair.Create(parameter.Name, value));
        }

        if (operation.BodyMediaTypes.Count > 0)
        {
            var media = operation.BodyMediaTypes.ContainsKey(Json) ? Json : operation.BodyMediaTypes.Keys.First();
            var schema = operation.BodyMediaTypes[media];
            draft.ContentType = media == Json && random.NextDouble() < 0.3 ? "application/json; charset=utf-8" : media;
            if (media.StartsWith(Form, StringComparison.OrdinalIgnoreCase))
            {
                draft.Form = [];
                foreach (var (name, _) in Members(schema))
                {
                    var value = known(new FuzzSlot(operation, identity, "body", name, index), random);
                    if (value is not null)
                    {
                        draft.Form.Add(KeyValuePair.Create(name, value));
                    }
                }
            }
            else
            {
                draft.Body = Value(schema, operation, identity, name: null, index, random, depth: 0);
            }
        }

        return draft;
    }

    private IEnumerable<(string Name, JsonElement Schema)> Members(JsonElement schema)
    {
        var concrete = document.Concrete(schema);
        return concrete.ValueKind == JsonValueKind.Object && concrete.TryGetProperty("properties", out var properties)
            ? properties.EnumerateObject().Select(p => (p.Name, p.Value))
            : [];
    }

    private static HashSet<string> Required(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("required", out var required)
            ? [.. required.EnumerateArray().Select(r => r.GetString()!)]
            : [];

    /// <summary>A valid-looking value for the schema: known by name where the world has one, else made from its type and format.</summary>
    private FuzzJson Value(JsonElement schema, OpenApiOperation operation, string identity, string? name, int index, Random random, int depth)
    {
        var concrete = document.Concrete(schema);
        var type = document.MainType(concrete);
        if (type == "object")
        {
            var result = new FuzzJsonObject();
            var required = Required(concrete);
            foreach (var (member, memberSchema) in Members(concrete))
            {
                var real = known(new FuzzSlot(operation, identity, "body", member, index), random);
                if (required.Contains(member) || real is not null || random.NextDouble() < 0.35)
                {
                    result.Members.Add(KeyValuePair.Create(member, real is not null
                        ? Known(real, memberSchema)
                        : Value(memberSchema, operation, identity, member, index, random, depth + 1)));
                }
            }

            if (result.Members.Count == 0 && concrete.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object)
            {
                result.Members.Add(KeyValuePair.Create("fuzz", Value(additional, operation, identity, "fuzz", index, random, depth + 1)));
            }

            return result;
        }

        if (type == "array")
        {
            var array = new FuzzJsonArray();
            var items = concrete.TryGetProperty("items", out var itemSchema) ? itemSchema : default;
            var count = depth == 0 || random.NextDouble() < 0.5 ? random.Next(1, 4) : 1;
            for (var i = 0; i < count; i++)
            {
                var real = name is null ? null : known(new FuzzSlot(operation, identity, "item", name, index), random);
                array.Items.Add(real is not null ? Known(real, items) : Value(items, operation, identity, null, index, random, depth + 1));
            }

            return array;
        }

        return FuzzJson.Raw(type switch
        {
            "integer" or "number" => random.Next(1, 100).ToString(CultureInfo.InvariantCulture),
            "boolean" => random.NextDouble() < 0.5 ? "true" : "false",
            _ => FuzzJson.Quote(ScalarText(concrete, random)),
        }, type);
    }

    private FuzzJson Known(string value, JsonElement schema)
    {
        var type = document.MainType(schema);
        return type is "integer" or "number" or "boolean" ? FuzzJson.Raw(value, type) : FuzzJson.Text(value, type);
    }

    private static string ScalarText(JsonElement schema, Random random) => OpenApiDocument.Format(schema) switch
    {
        "date-time" => DateTimeOffset.UtcNow.AddDays(random.Next(1, 5)).ToString("O", CultureInfo.InvariantCulture),
        "date" => "1990-05-17",
        "int32" or "int64" => random.Next(1, 50).ToString(CultureInfo.InvariantCulture),
        _ => "fuzz",
    };

    /// <summary>Every mutation that applies to this draft, with its weight; applying one returns what exactly it did.</summary>
    private IEnumerable<(string Name, double Weight, Func<Random, string> Apply)> Mutations(Draft draft)
    {
        yield return ("none", 1.5, _ => "baseline");
        yield return ("content-type", 1, random =>
        {
            if (draft.Body is null && draft.Form is null)
            {
                draft.RawBody ??= [];
            }

            return draft.SetContentType(random.Next(8) == 0 ? null : random.Pick(ContentTypes));
        });
        yield return ("accept", 0.2, random => draft.AddHeader("Accept", random.Pick(Accepts)));
        yield return ("hostile-header", 0.3, random => random.Next(4) switch
        {
            0 => draft.AddHeader("X-Forwarded-For", random.Pick(["garbage", "1.2.3.4, ::1, x", "999.999.999.999", new string('1', 5000)])),
            1 => draft.AddHeader("X-Forwarded-Proto", random.Pick(["javascript", "https, http", "\u0001"])),
            2 => draft.AddHeader("Origin", random.Pick(["https://evil.example", "null", "https://app.example\u0000"])),
            _ => draft.AddHeader("X-Fuzz-" + random.Next(100), random.Pick(HostileStrings.Where(s => !s.Contains('\r', StringComparison.Ordinal) && !s.Contains('\n', StringComparison.Ordinal)).ToList())),
        });
        yield return ("credentials", draft.Operation.IsAnonymous ? 0.3 : 0.8, random => draft.SetAuthorization(random.Next(10) switch
        {
            0 => ["Bearer garbage"],
            1 => ["Bearer "],
            2 => ["Basic Zm9vOmJhcg=="],
            3 => ["Bearer " + new string('a', 10_000)],
            4 => ["Bearer a.b.c"],
            5 => ["Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."],
            6 => ["Bearer %00", "Bearer x"],
            7 => ["bearer {token}"],
            8 => ["Bearer {token}", "Bearer {token}"],
            _ => ["Bearer {token}x"],
        }));
        yield return ("wrong-method", 0.5, random =>
        {
            var documented = _operations.Where(o => o.PathTemplate == draft.Operation.PathTemplate).Select(o => o.Method).ToHashSet();
            var others = Methods.Where(m => !documented.Contains(m)).ToList();
            draft.Method = others.Count == 0 ? "TRACE" : random.Pick(others);
            return draft.Method;
        });
        yield return ("unknown-query", 0.5, random =>
        {
            var (name, value) = random.Pick<(string, string)>([("fuzz", "1"), ("$where", "1=1"), ("__proto__[x]", "1"), ("limit", "5"), ("a", new string('q', 5000)), ("%00", "%00"), ("", "x"), ("x", "%ZZ")]);
            draft.Query.Add(KeyValuePair.Create(name, value));
            return $"{name}=…";
        });

        if (draft.Operation.In("path").Any())
        {
            yield return ("path-value", 2.5, random =>
            {
                var parameter = random.Pick(draft.Operation.In("path").ToList()).Name;
                var real = Uri.UnescapeDataString(draft.PathValues[parameter]);
                var value = random.Next(8) switch
                {
                    0 => new string('a', 10_000),
                    1 => real + new string('0', 3000),
                    2 => real.ToUpperInvariant(),
                    3 => real + "/extra",
                    4 => real + "%20",
                    5 => Uri.EscapeDataString(random.Pick(HostileStrings)),
                    6 => "",
                    _ => random.Pick(HostilePathValues),
                };
                draft.PathValues[parameter] = value;
                return $"{parameter}={RequestText(value)}";
            });
        }

        var queries = draft.Operation.In("query").ToList();
        if (queries.Count > 0)
        {
            yield return ("query-value", 2.5, random =>
            {
                var parameter = random.Pick(queries);
                var value = parameter.Name switch
                {
                    "limit" => random.Pick(HostileLimits),
                    "cursor" => Uri.EscapeDataString(random.Pick(
                    [
                        "garbage", "AAAA", "////", "eyJ9", "=", "k1:5", Cursor("abc"), Cursor("-1"), Cursor("99999999999999999999"), Cursor("' OR 1=1--"),
                        Cursor(""), Cursor("5|x"), Cursor("\0"), Cursor(new string('9', 300)), new string('A', 10_000), new string('A', 600), "%ZZ",
                    ])),
                    _ when OpenApiDocument.Format(parameter.Schema) is "date-time" or "date" => Uri.EscapeDataString(random.Pick(HostileDates)),
                    _ => random.Next(3) == 0 ? random.Pick(HostilePathValues) : Uri.EscapeDataString(random.Pick(HostileStrings)),
                };
                draft.Query.RemoveAll(q => q.Key == parameter.Name);
                draft.Query.Add(KeyValuePair.Create(parameter.Name, value));
                if (random.Next(4) == 0)
                {
                    // The same parameter twice.
                    draft.Query.Add(KeyValuePair.Create(parameter.Name, random.Next(3) == 0 ? value : "1"));
                }

                return $"{parameter.Name}={RequestText(value)}";
            });
        }

        if (draft.Headers.Any(h => h.Key == IdempotencyKey))
        {
            yield return ("idempotency-key", 2, random =>
            {
                var value = random.Next(13) switch
                {
                    0 => null,
                    1 => "",
                    2 => "   ",
                    3 => new string('k', 255),
                    4 => new string('k', 256),
                    5 => new string('k', 300),
                    6 => "k\u0001ey\u001f",
                    7 => "k\tey\u007f",
                    8 => "ключ-💰",
                    9 => "fuzz-shared-key",
                    10 => "fuzz-shared-key-" + random.Next(3),
                    11 => new string('k', 10_000),
                    _ => "k\0ey",
                };
                draft.Headers.RemoveAll(h => h.Key == IdempotencyKey);
                if (value is not null)
                {
                    draft.Headers.Add(KeyValuePair.Create(IdempotencyKey, value));
                }

                if (random.Next(4) == 0 || value is "")
                {
                    // Two values of the header: a client (or a proxy) that sends it twice.
                    draft.Headers.Add(KeyValuePair.Create(IdempotencyKey, random.Next(2) == 0 ? value ?? "other" : $"fuzz-{Guid.NewGuid():N}"));
                    return $"two values ({RequestText(value ?? "(none)")})";
                }

                return value is null ? "missing" : RequestText(value);
            });
        }

        if (draft.Body is not null)
        {
            foreach (var mutation in JsonMutations(draft))
            {
                yield return mutation;
            }
        }
        else if (draft.Form is not null)
        {
            foreach (var mutation in FormMutations(draft))
            {
                yield return mutation;
            }
        }
        else
        {
            yield return ("unexpected-body", 1, random =>
            {
                var (contentType, body) = random.Pick<(string?, string)>(
                    [(Json, "{}"), (Json, "{\"amount\":1}"), (Json, "null"), (Json, "[1,2"), (Form, "a=1"), ("text/plain", "hello"), (null, "{}"), (Json, new string('[', 2000))]);
                draft.ContentType = contentType;
                draft.RawBody = Encoding.UTF8.GetBytes(body);
                return $"{contentType ?? "(none)"} {RequestText(body)}";
            });
        }
    }

    private static IEnumerable<(string Name, double Weight, Func<Random, string> Apply)> JsonMutations(Draft draft)
    {
        var body = draft.Body!;
        var members = Locations(body).ToList();
        var strings = members.Where(m => m.Parent.Members[m.Index].Value.Kind == "string").ToList();
        var numbers = members.Where(m => m.Parent.Members[m.Index].Value.Kind is "integer" or "number").ToList();
        var arrays = members.Where(m => m.Parent.Members[m.Index].Value is FuzzJsonArray).ToList();
        var objects = Objects(body).ToList();

        if (members.Count > 0)
        {
            yield return ("missing-member", 1.5, random =>
            {
                var (parent, index) = random.Pick(members);
                var name = parent.Members[index].Key;
                parent.Members.RemoveAt(index);
                return name;
            });
            yield return ("wrong-type", 1.5, random => Replace(random.Pick(members), FuzzJson.Raw(random.Pick(WrongTypes), "wrong")));
            yield return ("null-member", 1, random => Replace(random.Pick(members), FuzzJson.Raw("null", "null")));
            yield return ("duplicate-member", 1.5, random =>
            {
                var (parent, index) = random.Pick(members);
                var (name, value) = parent.Members[index];
                var other = value.Kind is "integer" or "number" ? FuzzJson.Raw(random.Pick(["1000", "1", "0", "-5"]), value.Kind) : value.Copy();
                var key = random.Next(3) switch
                {
                    0 => name,
                    1 => name.ToUpperInvariant(),
                    _ => char.ToUpperInvariant(name[0]) + name[1..],
                };
                parent.Members.Insert(random.Next(2) == 0 ? index : index + 1, KeyValuePair.Create(key, other));
                return $"{name}/{key}";
            });
            yield return ("deep-nesting", 0.7, random =>
            {
                var depth = random.Pick([64, 65, 1000, 5000]);
                var nested = random.Next(2) == 0
                    ? string.Concat(Enumerable.Repeat("[", depth)) + string.Concat(Enumerable.Repeat("]", depth))
                    : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + string.Concat(Enumerable.Repeat("}", depth));
                return Replace(random.Pick(members), FuzzJson.Raw(nested, "nested")) + $" depth {depth}";
            });
        }

        yield return ("unknown-member", objects.Count > 0 ? 1 : 0, random =>
        {
            var target = random.Pick(objects);
            var name = random.Pick(UnknownMembers);
            target.Members.Insert(random.Next(target.Members.Count + 1), KeyValuePair.Create(name, FuzzJson.Raw(random.Pick(WrongTypes), "wrong")));
            return name;
        });

        if (strings.Count > 0)
        {
            yield return ("huge-string", 1, random =>
            {
                var length = random.Pick([3_000, 40_000, 70_000, 100_000, 200_000]);
                var fill = random.Next(3) switch
                {
                    0 => new string('a', length),
                    1 => string.Concat(Enumerable.Repeat("💰", length / 2)),
                    _ => new string('\u0001', length),
                };
                return Replace(random.Pick(strings), FuzzJson.Text(fill)) + $" {length}";
            });
            yield return ("hostile-string", 2, random =>
            {
                var mode = random.Next(3);
                var text = mode == 2 ? random.Pick(SurrogateEscapes) : FuzzJson.Quote(random.Pick(HostileStrings), relaxed: mode == 1);
                // Unescaped control characters inside a JSON string are themselves invalid JSON.
                if (mode == 1 && random.Next(3) == 0)
                {
                    text = "\"raw\u0001\u0000\ttab\"";
                }

                return Replace(random.Pick(strings), FuzzJson.Raw(text, "string"));
            });
        }

        yield return ("boundary-number", numbers.Count > 0 ? 2.5 : 0.5, random =>
            Replace(random.Pick(numbers.Count > 0 ? numbers : members.Count > 0 ? members : [(new FuzzJsonObject(), -1)]), FuzzJson.Raw(random.Pick(BoundaryNumbers), "integer")));

        yield return ("shape", 1.2, random =>
        {
            switch (random.Next(arrays.Count > 0 ? 6 : 2))
            {
                case 0:
                    draft.Body = new FuzzJsonArray { Items = { draft.Body!.Copy() } };
                    return "body in an array";
                case 1:
                    draft.Body = FuzzJson.Raw(random.Pick(["null", "\"string\"", "42", "true", "[]", "[null]", "{}"]), "wrong");
                    return $"body {draft.Body.Render()}";
                case 2:
                    return Replace(random.Pick(arrays), FuzzJson.Raw(random.Pick(["[null]", "[]", "[null,null]", "[\"x\"]", "[1]", "[[]]", "[{}]", "{}"]), "wrong"));
                case 3:
                {
                    var (parent, index) = random.Pick(arrays);
                    var array = (FuzzJsonArray)parent.Members[index].Value;
                    array.Items.Insert(random.Next(array.Items.Count + 1), FuzzJson.Raw("null", "null"));
                    return $"{parent.Members[index].Key}: null item";
                }
                case 4:
                {
                    var (parent, index) = random.Pick(arrays);
                    var array = (FuzzJsonArray)parent.Members[index].Value;
                    var first = array.Items.FirstOrDefault() ?? FuzzJson.Text("x");
                    var count = random.Pick([100, 101, 400, 2000]);
                    array.Items.Clear();
                    array.Items.AddRange(Enumerable.Range(0, count).Select(_ => first.Copy()));
                    return $"{parent.Members[index].Key}: {count} items";
                }
                default:
                {
                    var (parent, index) = random.Pick(arrays);
                    var array = (FuzzJsonArray)parent.Members[index].Value;
                    var item = array.Items.FirstOrDefault()?.Copy() ?? FuzzJson.Raw("{}", "object");
                    parent.Members[index] = KeyValuePair.Create(parent.Members[index].Key, item);
                    return $"{parent.Members[index].Key}: object instead of array";
                }
            }
        });

        yield return ("raw-body", 1.5, random =>
        {
            var valid = draft.Body!.Render();
            var raw = random.Next(16) switch
            {
                0 => [],
                1 => " "u8.ToArray(),
                2 => Encoding.UTF8.GetBytes(valid[..random.Next(Math.Max(1, valid.Length))]),
                3 => "hello"u8.ToArray(),
                4 => "<transfer><amount>1</amount></transfer>"u8.ToArray(),
                5 => [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(valid)],
                6 => Encoding.UTF8.GetBytes(valid + "garbage"),
                7 => Encoding.UTF8.GetBytes(valid + "}"),
                8 => Encoding.UTF8.GetBytes(valid.Insert(1, "/*comment*/")),
                9 => Encoding.UTF8.GetBytes(valid.Length > 2 ? valid[..^1] + ",}" : "{,}"),
                10 => Encoding.UTF8.GetBytes(valid.Replace('"', '\'')),
                11 => Encoding.Unicode.GetBytes(valid),
                12 => [.. Encoding.UTF8.GetBytes("{\"x\":\""), 0xFF, 0xFE, 0xC0, 0x80, .. Encoding.UTF8.GetBytes("\"}")],
                13 => "\0"u8.ToArray(),
                14 => Enumerable.Range(0, 64).Select(_ => (byte)random.Next(256)).ToArray(),
                _ => Encoding.UTF8.GetBytes(valid + valid),
            };
            draft.RawBody = raw;
            return $"{raw.Length} bytes";
        });
    }

    private static IEnumerable<(string Name, double Weight, Func<Random, string> Apply)> FormMutations(Draft draft)
    {
        var form = draft.Form!;
        if (form.Count > 0)
        {
            yield return ("form-missing-field", 1, random =>
            {
                var index = random.Next(form.Count);
                var name = form[index].Key;
                form.RemoveAt(index);
                return name;
            });
            yield return ("form-duplicate-field", 1, random =>
            {
                var (name, value) = random.Pick(form);
                form.Add(KeyValuePair.Create(random.Next(3) == 0 ? name.ToUpperInvariant() : name, random.Next(2) == 0 ? value : "other"));
                return name;
            });
            yield return ("form-value", 2, random =>
            {
                var index = random.Next(form.Count);
                var value = random.Next(5) switch
                {
                    0 => "",
                    1 => new string('v', random.Pick([3_000, 70_000, 100_000])),
                    2 => "refresh_token",
                    3 => "client_credentials",
                    _ => random.Pick(HostileStrings),
                };
                form[index] = KeyValuePair.Create(form[index].Key, value);
                return $"{form[index].Key}={RequestText(value)}";
            });
        }

        yield return ("form-raw", 3, random =>
        {
            var encoded = FormText(form);
            var raw = random.Next(14) switch
            {
                0 => "",
                1 => encoded + "&x=%00",
                2 => "%00=" + "x&" + encoded,
                3 => new string('k', random.Pick([2048, 2049, 3000])) + "=1&" + encoded,
                4 => encoded + "&bad=%zz%",
                5 => encoded + "&novalue&=nokey&&&",
                6 => string.Join('&', Enumerable.Range(0, random.Pick([1024, 1025, 3000])).Select(i => $"f{i}=1")) + "&" + encoded,
                7 => encoded + "&" + new string('k', 3000) + "=" + new string('v', 3000),
                8 => "{\"grant_type\":\"password\"}",
                9 => encoded.Replace("=", "%3D", StringComparison.Ordinal),
                10 => encoded + "&u=%u0041%C0%80%FF",
                11 => encoded + "&emoji=💰&raw=" + "\u0001\u0000",
                12 => "grant_type=password&grant_type=refresh_token&" + encoded,
                _ => encoded + "&" + string.Concat(Enumerable.Repeat("%00", 1000)) + "=1",
            };
            draft.RawBody = Encoding.UTF8.GetBytes(raw);
            return RequestText(raw);
        });
        yield return ("form-content-type", 1, random => draft.SetContentType(random.Pick<string?>(
        [
            null, "", "multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=xyz", Form + "; charset=bogus",
            Form + "; charset=\"utf-8\"", Form + "; charset=utf-16", Form + "; charset=iso-8859-1", Form + ";;", Json, "text/plain",
        ])));
        yield return ("form-bytes", 0.5, random =>
        {
            draft.RawBody = random.Next(2) == 0
                ? [.. Encoding.UTF8.GetBytes(FormText(form) + "&x="), 0xFF, 0xFE, 0xC0]
                : Encoding.Unicode.GetBytes(FormText(form));
            return $"{draft.RawBody.Length} bytes";
        });
    }

    private static string FormText(List<KeyValuePair<string, string>> form) =>
        string.Join('&', form.Select(pair => $"{Uri.EscapeDataString(pair.Key)}={Uri.EscapeDataString(pair.Value)}"));

    private static string Cursor(string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes("k1:" + key));

    private static string RequestText(string value) => FuzzRequest.Truncate(value, 40);

    /// <summary>Every member of every object in the tree, as (object, index).</summary>
    private static IEnumerable<(FuzzJsonObject Parent, int Index)> Locations(FuzzJson json) => json switch
    {
        FuzzJsonObject obj => obj.Members.SelectMany((member, index) => Locations(member.Value).Prepend((obj, index))),
        FuzzJsonArray array => array.Items.SelectMany(Locations),
        _ => [],
    };

    private static IEnumerable<FuzzJsonObject> Objects(FuzzJson json) => json switch
    {
        FuzzJsonObject obj => obj.Members.SelectMany(member => Objects(member.Value)).Prepend(obj),
        FuzzJsonArray array => array.Items.SelectMany(Objects),
        _ => [],
    };

    private static string Replace((FuzzJsonObject Parent, int Index) location, FuzzJson value)
    {
        var (parent, index) = location;
        if (index < 0)
        {
            return "nothing to replace";
        }

        var name = parent.Members[index].Key;
        parent.Members[index] = KeyValuePair.Create(name, value);
        return $"{name}={RequestText(value.Render())}";
    }

    /// <summary>A request being built: parameters still apart, the body still a tree (or a form, or raw bytes once a mutation wrote them).</summary>
    private sealed class Draft(OpenApiOperation operation, string identity)
    {
        public OpenApiOperation Operation { get; } = operation;

        public string Method { get; set; } = operation.Method;

        public Dictionary<string, string> PathValues { get; } = [];

        public List<KeyValuePair<string, string>> Query { get; } = [];

        public List<KeyValuePair<string, string>> Headers { get; } = [];

        /// <summary>Authorization header values, where <c>{token}</c> stands for the identity's token; null sends the identity's own.</summary>
        public string[]? Authorization { get; set; }

        public string? ContentType { get; set; }

        public FuzzJson? Body { get; set; }

        public List<KeyValuePair<string, string>>? Form { get; set; }

        public byte[]? RawBody { get; set; }

        public string SetContentType(string? contentType)
        {
            ContentType = contentType;
            return contentType is null ? "(none)" : $"'{contentType}'";
        }

        public string AddHeader(string name, string value)
        {
            Headers.Add(KeyValuePair.Create(name, value));
            return $"{name}: {RequestText(value)}";
        }

        public string SetAuthorization(string[] values)
        {
            Authorization = values;
            return string.Join(" + ", values.Select(v => RequestText(v)));
        }

        public FuzzRequest ToRequest(int index, params string[] mutations)
        {
            var path = Operation.PathTemplate;
            foreach (var (name, value) in PathValues)
            {
                path = path.Replace("{" + name + "}", value, StringComparison.Ordinal);
            }

            if (Query.Count > 0)
            {
                path += "?" + string.Join('&', Query.Select(q => $"{q.Key}={q.Value}"));
            }

            var headers = new List<KeyValuePair<string, string>>(Headers);
            if (Authorization is not null)
            {
                headers.AddRange(Authorization.Select(value => KeyValuePair.Create("Authorization", value)));
            }

            var body = RawBody ?? (Body is not null ? Encoding.UTF8.GetBytes(Body.Render()) : Form is not null ? Encoding.UTF8.GetBytes(FormText(Form)) : null);
            if (body is not null && ContentType is not null && ContentType.Contains("utf-16", StringComparison.OrdinalIgnoreCase) && RawBody is null)
            {
                // Say UTF-16 and mean it half the time: the other half sends UTF-8 under the wrong label.
                body = index % 2 == 0 ? Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(body)) : body;
            }

            return new FuzzRequest(index, Operation, identity, mutations, Method, path, headers, body is null ? null : ContentType, body, Authorization is null);
        }
    }
}

internal static class RandomPicks
{
    public static T Pick<T>(this Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
