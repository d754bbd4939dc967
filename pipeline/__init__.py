"""nianbao: China's open-government annual reports as a Parquet dataset."""

PIPELINE_VERSION = "0.3.0"
