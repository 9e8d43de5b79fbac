using System;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Faustish.Web;

/// <summary>JSON answers written by hand with <see cref="Utf8JsonWriter"/>: no reflection (trimming and AOT friendly), values as their codecs wrote them.</summary>
internal static class WebJson
{
    public static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>An error for people: what is wrong and what to do instead; never a stack trace.</summary>
    public static Task ErrorAsync(HttpContext context, int status, string message, Action<Utf8JsonWriter>? more = null) =>
        WriteAsync(context, status, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("status", status);
            json.WriteString("error", message);
            more?.Invoke(json);
            json.WriteEndObject();
        });
}
