using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CaaS.TestSupport;

namespace CaaS.Integration.Tests.Support;

/// <summary>
/// Debian's Chromium, headless, driven over the DevTools protocol: a test opens a page, works it as
/// an operator would (fills inputs, presses buttons), waits for what the page shows, and keeps a
/// screenshot. No driver package: the protocol is JSON over one WebSocket.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly DirectoryInfo _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonNode>> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly SemaphoreSlim _sending = new(1, 1);
    private Task _receiving = Task.CompletedTask;
    private string _session = "";
    private int _nextId;

    private Chromium(Process process, DirectoryInfo profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Where the browser tests leave their screenshots: CAAS_OPS_RESULTS_DIR, else &lt;repo&gt;/.test-results/ops.</summary>
    public static string ResultsDirectory =>
        Environment.GetEnvironmentVariable("CAAS_OPS_RESULTS_DIR") is { Length: > 0 } directory
            ? directory
            : Path.Combine(Repository.Root, ".test-results", "ops");

    public static async Task<Chromium> StartAsync(int width = 1280, int height = 900)
    {
        var binary = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("Chromium is not installed; ./test.sh installs Debian's chromium package.");
        var profile = Directory.CreateTempSubdirectory("caas-chromium-");
        var start = new ProcessStartInfo(binary) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
            $"--user-data-dir={profile.FullName}", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
            $"--window-size={width},{height}", "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Chromium did not start.");
        var browser = new Chromium(process, profile);
        try
        {
            await browser.ConnectAsync();
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Goes to the address and waits until the document has loaded (its scripts may still be fetching).</summary>
    public async Task NavigateAsync(string url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await WaitForAsync("document.readyState === 'complete'", $"{url} to load");
    }

    /// <summary>Runs an expression in the page (a promise is awaited) and hands back its value as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var answer = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["awaitPromise"] = true, ["returnByValue"] = true });
        if (answer["exceptionDetails"] is { } failure)
        {
            throw new InvalidOperationException($"The page threw evaluating {expression}: {failure["exception"]?["description"] ?? failure["text"]}");
        }

        return answer["result"]?["value"];
    }

    /// <summary>
    /// Waits until the expression is truthy in the page; the page checks it itself, so one call waits
    /// and nothing here sleeps. Gives up at the deadline, saying what the page's status lines said.
    /// </summary>
    public async Task WaitForAsync(string condition, string what, TimeSpan? timeout = null)
    {
        var limit = (int)(timeout ?? Eventually.DefaultTimeout).TotalMilliseconds;
        var script = $$"""
            new Promise(resolve => {
              const until = Date.now() + {{limit}};
              const check = () => {
                let met = false;
                try { met = !!({{condition}}); } catch (notYet) { met = false; }
                if (met) { resolve(true); } else if (Date.now() > until) { resolve(false); } else { setTimeout(check, 25); }
              };
              check();
            })
            """;
        if (await EvaluateAsync(script) is not JsonValue met || !met.GetValue<bool>())
        {
            var said = await EvaluateAsync("[...document.querySelectorAll('[role=status]')].map(e => e.id + ': ' + e.textContent).join(' | ')");
            throw new TimeoutException($"The page did not show {what} within {limit / 1000} s (it says: {said}).");
        }
    }

    public async Task<string> DomAsync() =>
        (await EvaluateAsync("document.documentElement.outerHTML"))?.GetValue<string>() ?? "";

    /// <summary>Sets an input's value as typing would, so the page's listeners see it.</summary>
    public Task FillAsync(string selector, string value) => EvaluateAsync($$"""
        (() => { const input = document.querySelector({{JsonSerializer.Serialize(selector)}});
          if (!input) { throw new Error('no ' + {{JsonSerializer.Serialize(selector)}}); }
          input.focus(); input.value = {{JsonSerializer.Serialize(value)}};
          input.dispatchEvent(new Event('input', { bubbles: true })); input.dispatchEvent(new Event('change', { bubbles: true })); })()
        """);

    public Task ClickAsync(string selector) => EvaluateAsync($$"""
        (() => { const target = document.querySelector({{JsonSerializer.Serialize(selector)}});
          if (!target) { throw new Error('no ' + {{JsonSerializer.Serialize(selector)}}); }
          target.scrollIntoView(); target.click(); })()
        """);

    /// <summary>A PNG of the whole page (not only the window), written to <see cref="ResultsDirectory"/>.</summary>
    /// <returns>the file written.</returns>
    public async Task<string> ScreenshotAsync(string name)
    {
        var answer = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        Directory.CreateDirectory(ResultsDirectory);
        var path = Path.Combine(ResultsDirectory, name + ".png");
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(answer["data"]!.GetValue<string>()));
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        try
        {
            await _receiving;
        }
        catch (Exception closed) when (closed is OperationCanceledException or WebSocketException)
        {
            // The socket went with the browser; nothing is waiting on it any more.
        }

        _socket.Dispose();
        _process.Dispose();
        _closing.Dispose();
        _sending.Dispose();
        _profile.Delete(recursive: true);
    }

    private async Task ConnectAsync()
    {
        // Chromium names its DevTools endpoint on stderr once it listens; port 0 lets it pick a free one.
        using var deadline = new CancellationTokenSource(StartDeadline);
        _ = _process.StandardOutput.ReadToEndAsync(_closing.Token);
        string? endpoint = null;
        var log = new StringBuilder();
        try
        {
            while (endpoint is null && await _process.StandardError.ReadLineAsync(deadline.Token) is { } line)
            {
                log.AppendLine(line);
                var at = line.IndexOf("ws://", StringComparison.Ordinal);
                endpoint = line.StartsWith("DevTools listening on ", StringComparison.Ordinal) && at >= 0 ? line[at..].Trim() : null;
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Chromium named no DevTools endpoint within {StartDeadline.TotalSeconds:0} s: {log}");
        }

        if (endpoint is null)
        {
            throw new InvalidOperationException($"Chromium exited before it listened: {log}");
        }

        // The rest of stderr must still be read, or a chatty browser blocks on a full pipe.
        _ = _process.StandardError.ReadToEndAsync(_closing.Token);
        await _socket.ConnectAsync(new Uri(endpoint), deadline.Token);
        _receiving = ReceiveAsync();
        var targets = await SendAsync("Target.getTargets", new JsonObject(), session: false);
        var page = targets["targetInfos"]!.AsArray().First(target => target!["type"]!.GetValue<string>() == "page")!["targetId"]!.GetValue<string>();
        var attached = await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = page, ["flatten"] = true }, session: false);
        _session = attached["sessionId"]!.GetValue<string>();
        await SendAsync("Page.enable", new JsonObject());
        await SendAsync("Runtime.enable", new JsonObject());
    }

    private async Task<JsonNode> SendAsync(string method, JsonObject parameters, bool session = true)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonNode>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        if (session)
        {
            message["sessionId"] = _session;
        }

        await _sending.WaitAsync(_closing.Token);
        try
        {
            await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, _closing.Token);
        }
        finally
        {
            _sending.Release();
        }

        try
        {
            return await answer.Task.WaitAsync(CallDeadline, _closing.Token);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Chromium did not answer {method} within {CallDeadline.TotalSeconds:0} s.");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    /// <summary>Hands each answer to the call that waits for it; events (messages without an id) are not needed.</summary>
    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (_socket.State == WebSocketState.Open && !_closing.IsCancellationRequested)
        {
            var part = await _socket.ReceiveAsync(buffer, _closing.Token);
            if (part.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            message.Write(buffer, 0, part.Count);
            if (!part.EndOfMessage)
            {
                continue;
            }

            var node = JsonNode.Parse(message.ToArray());
            message.SetLength(0);
            if (node?["id"] is not { } id || !_pending.TryGetValue(id.GetValue<int>(), out var waiting))
            {
                continue;
            }

            if (node["error"] is { } error)
            {
                waiting.TrySetException(new InvalidOperationException($"DevTools refused the call: {error.ToJsonString()}"));
            }
            else
            {
                waiting.TrySetResult(node["result"] ?? new JsonObject());
            }
        }

        foreach (var waiting in _pending.Values)
        {
            waiting.TrySetException(new InvalidOperationException("Chromium closed its DevTools connection."));
        }
    }
}
