using System.Net;
using System.Net.Sockets;

namespace CaaS.TestSupport;

/// <summary>
/// Other senders without other machines: 127.0.0.0/8 is all this machine's, so a client whose
/// connections leave from 127.0.0.N is, to the host it calls, another address (another webhook sender,
/// another proxy).
/// </summary>
public static class LoopbackSenders
{
    public static HttpClient From(string address) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellation) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });
}
