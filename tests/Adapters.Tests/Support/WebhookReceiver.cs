using System.Collections.Concurrent;
using System.Net;
using CaaS.TestSupport;

namespace CaaS.Adapters.Tests.Support;

public sealed record ReceivedWebhook(string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Header(string name) => Headers.GetValueOrDefault(name.ToLowerInvariant()) ?? "";
}

/// <summary>Stands in for the platform's webhook endpoints: records what the sandbox sends and answers with the statuses it is told to.</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<int> _answers = new();
    private readonly CancellationTokenSource _stop = new();

    public WebhookReceiver()
    {
        BaseUrl = $"http://127.0.0.1:{Repository.FreePort()}";
        _listener.Prefixes.Add(BaseUrl + "/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>The next answers, in order; 200 once they run out.</summary>
    public void AnswerNext(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _answers.Enqueue(status);
        }
    }

    public Task<ReceivedWebhook[]> ReceivedUntilAsync(Func<ReceivedWebhook, bool> match, int count, string what) =>
        Eventually.Until(() => Task.FromResult(Received.Where(match).ToArray()), found => found.Length >= count, what);

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.AllKeys.Where(key => key is not null)
                .ToDictionary(key => key!.ToLowerInvariant(), key => context.Request.Headers[key] ?? "");
            Received.Enqueue(new ReceivedWebhook(context.Request.Url!.AbsolutePath, headers, body));
            context.Response.StatusCode = _answers.TryDequeue(out var status) ? status : 200;
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _stop.Dispose();
    }
}
