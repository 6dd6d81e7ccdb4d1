// The appliance is built for Linux only: it uses Glibc directly and an epoll event loop.
#if !os(Linux)
#error("TradeWizard Appliance builds on Linux only (Glibc, epoll); see the README")
#endif
