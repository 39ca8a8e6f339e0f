"""The paper's figures, their data, the published-code variants and the reproduction report.
"""
