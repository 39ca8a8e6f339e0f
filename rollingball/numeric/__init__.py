"""The numeric kernels: window searches, cached lattices, the projection onto the graph, the
independent distance referee, the upper offset f_rho and the projection onto the offset.

Imports only from :mod:`rollingball.symbolic`.
"""
